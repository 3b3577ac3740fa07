"""kombu's Redis transport, made to survive the broker going away while a job runs.

With late acknowledgement a running job leaves its message unacknowledged. When Redis goes
away, Celery (5.7) detaches the transport from the connection and then closes the connection;
closing the channel tries to put the unacknowledged message back, which needs the detached
transport's address and fails with an AttributeError that kills the worker ("Unrecoverable
error"), so nothing runs once Redis is back. Here that attempt fails as what it is, a lost
connection, which Celery ignores while it reconnects. The message stays in Redis's table of
unacknowledged messages and is redelivered after the visibility timeout; the job itself goes
on in the pool, and a redelivery of a finished job does nothing (the tasks are idempotent)."""

import redis.exceptions
from kombu.transport import redis as kombu_redis


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous=False):
        if self.connection.client is None:
            raise redis.exceptions.ConnectionError("La conexión con el broker ya se cerró.")
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel
