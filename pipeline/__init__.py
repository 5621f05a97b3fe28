"""Care Manager job alerts: fetch job postings, rank them for Care Managers, email digests."""

__version__ = "0.1.0"
