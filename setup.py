"""Yichuang (一窗): the queue appliance of a government service hall."""
from setuptools import find_packages, setup

setup(
    name="yichuang",
    version="0.1.0",
    description="Queue appliance for Chinese government service halls (一窗受理)",
    python_requires=">=3.11",
    packages=find_packages(include=["hall*", "county*", "kiosk*", "caller*", "display*", "rating*", "devices*"]),
    package_data={"": ["*.toml", "*.kv", "*.json", "*.md"], "county": ["templates/*.html", "static/*"]},
    include_package_data=True,
    install_requires=[
        "sqlite-utils==4.2.1",
        "paho-mqtt==2.2.0",
        "amqtt==0.12.1",
        "pyserial==3.5",
        "qrcode[pil]==8.2",
        "tzdata",
        "pyusb",
        "cryptography==50.0.2",  # the hall CA and its certificates; the hall key's encryption
    ],
    extras_require={
        "apps": ["kivy==2.3.1", "pygame==2.6.1"],
        "card": ["pyscard==2.3.1"],
        "sim": ["matplotlib"],
        "hid": ["evdev"],
        "county": ["psycopg[binary]==3.3.9", "starlette==1.10.0", "uvicorn==0.54.0", "jinja2==3.1.6",
                   "openpyxl==3.1.5", "playwright==1.65.2", "python-multipart==0.0.34"],
        "web": ["starlette==1.10.0", "uvicorn==0.54.0", "jinja2==3.1.6", "python-multipart==0.0.34",
                "argon2-cffi==25.1.0", "openpyxl==3.1.5", "playwright==1.65.2", "matplotlib"],
        "test": ["pytest", "hypothesis", "pytest-timeout"],
    },
    entry_points={"console_scripts": ["yichuang=hall.cli:main"]},
)
