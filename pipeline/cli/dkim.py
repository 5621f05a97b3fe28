"""``pipeline dkim``: check the DKIM key of ``email.dkim`` and print the DNS record to publish.

Like every command, this only calls library functions; ``PipelineError`` becomes a message in
``pipeline.cli``.
"""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli import CONFIG_OPTION, cli, open_config
from pipeline.errors import ConfigError

#: A DNS TXT record is a list of strings of at most 255 bytes each; receivers join them.
TXT_CHUNK = 255


@cli.command()
@CONFIG_OPTION
def dkim(config_path: Path) -> None:
    """Check the DKIM key (email.dkim) and print the DNS TXT record that publishes it."""
    from pipeline.notify.dkim_sign import load_signer

    config = open_config(config_path)
    signer = load_signer(config)
    if signer is None:
        raise ConfigError(f"{config_path}: email.dkim is not set; add domain, selector and "
                          "private_key_file (see the README, section DKIM)")
    name, value = signer.dns_record()
    chunks = " ".join(f'"{value[i:i + TXT_CHUNK]}"' for i in range(0, len(value), TXT_CHUNK))
    click.echo(f"The key signs and verifies. Publish this TXT record in the DNS of "
               f"{signer.domain}:\n\nname:  {name}\nvalue: {value}\n\nas a zone-file line:\n"
               f"{name}. IN TXT ( {chunks} )")
