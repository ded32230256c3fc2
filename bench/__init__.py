"""``make bench``: performance figures against their goals (see ``bench/run.py``)."""
