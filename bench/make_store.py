#!/usr/bin/python3
"""Fills a staffeln store (already at the current schema) with N automated backup records and
writes two wrk Lua scripts posting oslo.policy's form body: one for ids present, one absent.
Usage: make_store.py DB N OUT_DIR"""

import sqlite3
import sys
import uuid

db_file, count, out_dir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
SAMPLE = 10000

with sqlite3.connect(db_file) as db:
    rows = ((str(uuid.uuid4()), f"vol-{i % 5000}", f"proj-{i % 200}", "full" if i % 4 == 0 else "incremental",
             "available", 1700000000 + i, 1700000000 + i, 1700000000 + i) for i in range(count))
    db.executemany("INSERT INTO backups (backup_id, volume_id, project_id, kind, status, created_at, data_timestamp, "
                   "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    present = [r[0] for r in db.execute("SELECT backup_id FROM backups ORDER BY random() LIMIT ?", (SAMPLE,))]
absent = [str(uuid.uuid4()) for _ in range(SAMPLE)]

# As Cinder's oslo.policy sends it: form-encoded rule, target and credentials (JSON strings).
BODY = ("rule=%22backup%3Adelete%22&target=%7B%22id%22%3A+%22{id}%22%2C+%22project_id%22%3A+%22proj-1%22%7D"
        "&credentials=%7B%22project_id%22%3A+%22proj-1%22%2C+%22roles%22%3A+%5B%22member%22%5D%7D")
for name, ids in (("present", present), ("absent", absent)):
    with open(f"{out_dir}/{name}.lua", "w") as f:
        f.write("local ids = {\n" + ",\n".join(f'"{i}"' for i in ids) + "}\n")
        f.write('local headers = {["Content-Type"] = "application/x-www-form-urlencoded"}\n')
        f.write("request = function()\n  local id = ids[math.random(#ids)]\n")
        f.write('  return wrk.format("POST", "/v1/backup?backup_id=" .. id, headers, '
                f'string.gsub("{BODY}", "{{id}}", id))\nend\n')
