"""A run: the configuration of a period, one computation per period, the papermill
runner, provenance and the command line."""
