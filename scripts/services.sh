#!/usr/bin/env bash
# Make sure MariaDB and Redis answer on 127.0.0.1; start them if they do not.
# Creates the `issuer` database user. Fails (non-zero) if either stays down.
set -euo pipefail

wait_for() {  # name, command
    for _ in $(seq 1 60); do
        if eval "$2" >/dev/null 2>&1; then return 0; fi
        sleep 1
    done
    echo "error: $1 did not come up" >&2
    return 1
}

if ! mysqladmin -uroot -h127.0.0.1 ping >/dev/null 2>&1; then
    echo "starting MariaDB"
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
fi
wait_for MariaDB "mysqladmin -uroot -h127.0.0.1 ping"

if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
    echo "starting Redis"
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" \
        --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi
wait_for Redis "redis-cli -h 127.0.0.1 ping"

mysql -uroot -h127.0.0.1 <<'SQL'
CREATE USER IF NOT EXISTS 'issuer'@'127.0.0.1' IDENTIFIED BY 'issuer';
CREATE USER IF NOT EXISTS 'issuer'@'localhost' IDENTIFIED BY 'issuer';
GRANT ALL PRIVILEGES ON *.* TO 'issuer'@'127.0.0.1';
GRANT ALL PRIVILEGES ON *.* TO 'issuer'@'localhost';
CREATE DATABASE IF NOT EXISTS issuer CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
SQL
echo "MariaDB and Redis are up."
