from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = [("river", "0001_river_schema")]
    operations = [
        migrations.CreateModel(
            name="Note",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("body", models.TextField()),
                ("processed", models.BooleanField(default=False)),
            ],
        ),
    ]
