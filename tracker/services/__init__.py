"""The operations the views and the CLI call: plain functions, explicit arguments."""
