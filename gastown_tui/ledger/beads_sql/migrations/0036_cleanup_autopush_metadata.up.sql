DELETE FROM metadata WHERE `key` LIKE 'dolt_auto_push_%';
