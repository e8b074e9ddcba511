from setuptools import find_packages, setup

# Exact versions of everything (transitive included) live in constraints.txt; the Makefile installs
# with `-c constraints.txt` so a fresh install resolves the same way every time. The Dagster
# integration libraries pin dagster exactly, so these pins move together.
setup(
    name="weather_flick_batch",
    version="0.1.0",
    description="WeatherFlick Batch: the weather-and-tourism data platform behind WeatherFlick",
    python_requires=">=3.11,<3.12",
    packages=find_packages(exclude=["weather_flick_batch_tests", "weather_flick_batch_tests.*"]),
    include_package_data=True,
    package_data={
        "weather_flick_batch": [
            "warehouse/migrations/*.py",
            "warehouse/migrations/*.mako",
            "warehouse/migrations/versions/*.py",
            "destinations/catalogue/*.json",
            "weather_warnings/*.csv",
        ]
    },
    install_requires=[
        "dagster==1.13.27",
        "dagster-webserver==1.13.27",
        "dagster-graphql==1.13.27",
        "dagster-aws==0.29.27",
        "dagster-slack==0.29.27",
        "dagster-postgres==0.29.27",
        "dagster-celery==0.29.27",
        # SQLAlchemy 2.1 maps postgresql:// to psycopg 3, which dagster-postgres does not ship.
        "sqlalchemy>=2.0,<2.1",
        "alembic>=1.13",
        "psycopg2-binary>=2.9",
        "redis>=5",
        "psutil>=5.9",
        "pandas>=2.2",
        "requests>=2.31",
        "boto3>=1.34",
        # FCM HTTP v1 needs an OAuth2 token from a service account (signed JWT): Google's own client.
        "google-auth>=2.30",
    ],
    extras_require={
        "test": [
            "pytest>=8",
            "pytest-timeout>=2.3",
            "hypothesis>=6.100",
            "moto[server]>=5",
            "aiosmtpd>=1.4",
        ]
    },
    entry_points={"console_scripts": ["weather-flick-batch=weather_flick_batch.cli:main"]},
)
