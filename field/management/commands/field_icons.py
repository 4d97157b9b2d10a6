from django.core.management.base import BaseCommand

from field.icons import SOURCE, make_icons


class Command(BaseCommand):
    help = (
        "Make the field app's icons (every size, maskable too) from field/assets/icon-source.png."
    )

    def handle(self, *args, **options):
        for path in make_icons():
            self.stdout.write(str(path.relative_to(SOURCE.parent.parent.parent)))
