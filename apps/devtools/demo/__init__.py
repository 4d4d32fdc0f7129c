"""The small demo `make run` loads (`manage.py load_demo`): accounts, then their record.

Import nothing from Django here: scripts/run.py reads DEMO_LOGINS before Django is set up.
"""
