from wh.cli import run

run()
