"""One blueprint per role (rt, kelurahan, kecamatan, dinsos, admin), plus auth and main."""
