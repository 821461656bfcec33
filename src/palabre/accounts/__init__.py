"""Local user accounts of the web application: who may sign in, with which role."""
