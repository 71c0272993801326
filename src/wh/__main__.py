from wh.cli.app import run

run()
