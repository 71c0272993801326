"""The command line. :func:`run` is the program's entry (console script, ``python -m wh``)."""


def run() -> None:
    """The ``wh`` program: start-up with the cyclic collector paused, then the command.

    Start-up imports typer, click, packaging and wh's own modules: ~40k objects that live
    until the exit, which the collector would scan ~30 times while they load (~6 ms) and
    again in every later full pass. They are frozen out of its passes instead (importing
    wh as a library changes nothing: only the program does this).
    """
    import gc

    gc.disable()
    try:
        from wh.cli.app import run as program
    finally:
        gc.freeze()
        gc.enable()
    program()
