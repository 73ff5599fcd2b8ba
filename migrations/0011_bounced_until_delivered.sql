-- A bounce followed by a delivery (a block lifted, a greylisting retried) is a delivered
-- message: bounced now counts the messages that bounced and were never delivered, so that
-- delivered and bounced together never exceed the leads.
DROP TRIGGER funnel_event_insert;
--> statement-breakpoint
CREATE TRIGGER funnel_event_insert AFTER INSERT ON events
WHEN new.type IN ('delivered', 'bounced', 'opened', 'clicked') BEGIN
  INSERT INTO funnel_counts (campaign_id, variant_id, phase, metric, value)
  SELECT new.campaign_id, new.variant_id, m.phase, new.type || '_raw', 1
    FROM messages m
   WHERE m.id = new.message_id
     AND NOT EXISTS (SELECT 1 FROM events e WHERE e.message_id = new.message_id
                        AND e.type = new.type AND e.id <> new.id)
     AND (new.type <> 'bounced'
          OR NOT EXISTS (SELECT 1 FROM events e WHERE e.message_id = new.message_id
                            AND e.type = 'delivered'))
  ON CONFLICT (campaign_id, variant_id, phase, metric) DO UPDATE SET value = value + 1;
  INSERT INTO funnel_counts (campaign_id, variant_id, phase, metric, value)
  SELECT new.campaign_id, new.variant_id, m.phase, new.type || '_human', 1
    FROM messages m
   WHERE m.id = new.message_id AND new.machine = 0
     AND NOT EXISTS (SELECT 1 FROM events e WHERE e.message_id = new.message_id
                        AND e.type = new.type AND e.machine = 0 AND e.id <> new.id)
     AND (new.type <> 'bounced'
          OR NOT EXISTS (SELECT 1 FROM events e WHERE e.message_id = new.message_id
                            AND e.type = 'delivered'))
  ON CONFLICT (campaign_id, variant_id, phase, metric) DO UPDATE SET value = value + 1;
END;
--> statement-breakpoint
-- The first delivery of a message that had bounced takes the bounce back; a trigger of its
-- own, so that clicks and opens, by far the most events, do not pay for it.
CREATE TRIGGER funnel_event_delivered AFTER INSERT ON events
WHEN new.type = 'delivered' BEGIN
  UPDATE funnel_counts SET value = value - 1
   WHERE campaign_id = new.campaign_id AND variant_id = new.variant_id
     AND phase = (SELECT phase FROM messages WHERE id = new.message_id)
     AND NOT EXISTS (SELECT 1 FROM events e WHERE e.message_id = new.message_id
                        AND e.type = 'delivered' AND e.id <> new.id)
     AND ((metric = 'bounced_raw'
           AND EXISTS (SELECT 1 FROM events e WHERE e.message_id = new.message_id
                          AND e.type = 'bounced'))
       OR (metric = 'bounced_human'
           AND EXISTS (SELECT 1 FROM events e WHERE e.message_id = new.message_id
                          AND e.type = 'bounced' AND e.machine = 0)));
END;
--> statement-breakpoint
DROP TRIGGER funnel_event_reflag;
--> statement-breakpoint
CREATE TRIGGER funnel_event_reflag AFTER UPDATE OF machine ON events
WHEN old.machine = 0 AND new.machine = 1
 AND new.type IN ('delivered', 'bounced', 'opened', 'clicked') BEGIN
  UPDATE funnel_counts SET value = value - 1
   WHERE campaign_id = new.campaign_id AND variant_id = new.variant_id
     AND metric = new.type || '_human'
     AND phase = (SELECT phase FROM messages WHERE id = new.message_id)
     AND NOT EXISTS (SELECT 1 FROM events e WHERE e.message_id = new.message_id
                        AND e.type = new.type AND e.machine = 0)
     AND (new.type <> 'bounced'
          OR NOT EXISTS (SELECT 1 FROM events e WHERE e.message_id = new.message_id
                            AND e.type = 'delivered'));
END;
--> statement-breakpoint
-- Counts kept before this migration: take back the bounces of messages delivered since.
UPDATE funnel_counts SET value = value - (
  SELECT count(*) FROM messages m
   WHERE m.campaign_id = funnel_counts.campaign_id AND m.variant_id = funnel_counts.variant_id
     AND m.phase = funnel_counts.phase
     AND EXISTS (SELECT 1 FROM events d WHERE d.message_id = m.id AND d.type = 'delivered')
     AND EXISTS (SELECT 1 FROM events b WHERE b.message_id = m.id AND b.type = 'bounced'
                    AND (funnel_counts.metric = 'bounced_raw' OR b.machine = 0)))
 WHERE metric IN ('bounced_raw', 'bounced_human');
