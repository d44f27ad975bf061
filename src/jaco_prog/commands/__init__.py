"""One module per `jaco-prog` subcommand; each defines `register(subparsers)` setting `func`."""
