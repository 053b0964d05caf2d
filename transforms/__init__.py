"""DuffBeer order pipeline: the business logic as pure DataFrame functions.

Import nothing heavy here: `transforms.contract` is shared with the Lambdas and the
API, which run without PySpark.
"""
