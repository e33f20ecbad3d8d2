"""The producer (one per queue) and what it fetches and runs jobs with: fetch limit, pause gate,
work pool, token bucket, concurrency limits.
"""
