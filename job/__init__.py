"""The order job: parse the Glue arguments, read the uploads, run the transforms, commit
through the table format and report. ``job.pipeline`` wires the layers; the decisions about
the data are the transforms'."""
