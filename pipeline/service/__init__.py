"""The long-running services: the scheduler (`pipeline schedule`) and the web pages
(`pipeline serve`)."""
