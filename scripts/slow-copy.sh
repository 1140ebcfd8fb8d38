#!/usr/bin/env bash
# The workload notebooks/investigation.ipynb investigates: a copy that pays one system call
# per 512 bytes, restarted by a shell loop. Runs until killed.
while :; do
  dd if=/dev/zero of=/dev/null bs=512 count=4000 status=none
  sleep 0.05
done
