"""The API's routes, one module per resource: ``orders``, ``reports``, ``runs`` (with
``/health``) and ``dashboard`` (the page). ``api.app`` includes each module's ``router``."""
