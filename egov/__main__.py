from egov.cli import main

main()
