from refman.cli import main

raise SystemExit(main())
