from kgprep.cli import main

raise SystemExit(main())
