"""Services run by the leader only: scheduler, rescuer, cleaners."""
