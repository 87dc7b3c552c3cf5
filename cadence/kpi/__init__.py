"""The KPI tree of a workflow: from the business goal down to the technical inputs."""
