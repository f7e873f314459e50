"""An e-mail backend for tests: refuses one address, keeps the rest in mail.outbox."""
from django.core.mail.backends.locmem import EmailBackend


class FailForBadAddress(EmailBackend):
    def send_messages(self, messages):
        for message in messages:
            if any(address.startswith("bad@") for address in message.to):
                raise ConnectionRefusedError("mail server refused bad@example.gov.cn")
        return super().send_messages(messages)
