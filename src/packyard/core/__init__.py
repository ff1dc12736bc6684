"""What every format goes through: Package 1─* Version 1─* File *─1 Blob."""
