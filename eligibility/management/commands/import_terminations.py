from eligibility.management.commands._import import ImportCommand


class Command(ImportCommand):
    help = "Import the terminations file (see the README, Eligibility data)."
    kind = "terminations"
