"""Running against a target: boto3 clients, the embedded emulator (moto on 127.0.0.1) with
its corrections, and what differs between the emulator and a real account at run time."""
