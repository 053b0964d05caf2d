"""Deploys (and tears down) the DuffBeer pipeline on AWS; `scripts/deploy_job.py` is the CLI."""
