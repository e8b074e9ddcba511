"""Cut-over tooling: checks for the shadow run, where the platform writes the back end's service tables
beside the ones the previous batch system still serves."""
