# Put first on PYTHONPATH to hide psycopg 3, so Django's PostgreSQL backend uses psycopg2.
raise ImportError("psycopg 3 is hidden from this process")
