"""What frees and promotes jobs across workflows, sequences and batches: release, promotion,
batches.
"""
