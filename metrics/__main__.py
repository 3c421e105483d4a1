"""``python -m metrics <command> …``: ``report`` (metrics.report) or ``oarsa`` (metrics.oarsa).

Dispatch on the first word: ``oarsa`` runs the OARSA workbook command; anything else goes to
the report command's own parser, unchanged (``python -m metrics report …`` behaves exactly as
before, errors included).
"""

import sys

if sys.argv[1:2] == ["oarsa"]:
    from metrics.oarsa import main as oarsa_main

    sys.exit(oarsa_main(sys.argv[2:]))

if sys.argv[1:2] in (["-h"], ["--help"]):
    from metrics.report import parser

    sys.stdout.write(parser().format_help())
    sys.stdout.write(
        "\nautre commande :\n  oarsa     tableaux de l'enquête DREES OARSA (XLSX) ; "
        "voir « python -m metrics oarsa --help »\n"
    )
    sys.exit(0)

from metrics.report import main

sys.exit(main())
