"""The contract the job, the Lambdas and the API share: columns, reject reasons, limits,
the header check, the run report's place and the JSON log format. Plain Python, no PySpark:
the Lambdas and the API import it without it."""
