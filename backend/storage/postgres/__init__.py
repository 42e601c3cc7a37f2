"""PostgreSQL behind the storage interface: for hosts run as several processes (docs/deploy.md)."""
