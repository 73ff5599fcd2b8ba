-- Triggers that keep funnel_counts, daily_leads and channel_counts true on every write, and
-- a backfill of what was there before. Figures: enrolled, leads, <type>_raw and <type>_human
-- (distinct messages with at least one event of the type; human leaves machines out),
-- customers, value and value_squares.
CREATE TRIGGER funnel_enrolled_insert AFTER INSERT ON enrollments BEGIN
  INSERT INTO funnel_counts (campaign_id, variant_id, phase, metric, value)
  VALUES (new.campaign_id, coalesce(new.variant_id, 0), new.phase, 'enrolled', 1)
  ON CONFLICT (campaign_id, variant_id, phase, metric) DO UPDATE SET value = value + 1;
END;
--> statement-breakpoint
CREATE TRIGGER funnel_enrolled_update AFTER UPDATE OF variant_id ON enrollments
WHEN old.variant_id IS NOT new.variant_id BEGIN
  UPDATE funnel_counts SET value = value - 1
   WHERE campaign_id = old.campaign_id AND variant_id = coalesce(old.variant_id, 0)
     AND phase = old.phase AND metric = 'enrolled';
  INSERT INTO funnel_counts (campaign_id, variant_id, phase, metric, value)
  VALUES (new.campaign_id, coalesce(new.variant_id, 0), new.phase, 'enrolled', 1)
  ON CONFLICT (campaign_id, variant_id, phase, metric) DO UPDATE SET value = value + 1;
END;
--> statement-breakpoint
CREATE TRIGGER funnel_listed AFTER INSERT ON campaign_prospects BEGIN
  INSERT INTO funnel_counts (campaign_id, variant_id, phase, metric, value)
  VALUES (new.campaign_id, 0, 'list', 'prospects', 1)
  ON CONFLICT (campaign_id, variant_id, phase, metric) DO UPDATE SET value = value + 1;
END;
--> statement-breakpoint
CREATE TRIGGER funnel_message_queued AFTER INSERT ON messages BEGIN
  INSERT INTO funnel_counts (campaign_id, variant_id, phase, metric, value)
  VALUES (new.campaign_id, new.variant_id, new.phase, 'status:' || new.status, 1)
  ON CONFLICT (campaign_id, variant_id, phase, metric) DO UPDATE SET value = value + 1;
END;
--> statement-breakpoint
CREATE TRIGGER funnel_message_status AFTER UPDATE OF status ON messages
WHEN old.status IS NOT new.status BEGIN
  UPDATE funnel_counts SET value = value - 1
   WHERE campaign_id = old.campaign_id AND variant_id = old.variant_id AND phase = old.phase
     AND metric = 'status:' || old.status;
  INSERT INTO funnel_counts (campaign_id, variant_id, phase, metric, value)
  VALUES (new.campaign_id, new.variant_id, new.phase, 'status:' || new.status, 1)
  ON CONFLICT (campaign_id, variant_id, phase, metric) DO UPDATE SET value = value + 1;
END;
--> statement-breakpoint
CREATE TRIGGER funnel_message_sent AFTER UPDATE OF status ON messages
WHEN new.status = 'sent' AND old.status IS NOT 'sent' BEGIN
  INSERT INTO funnel_counts (campaign_id, variant_id, phase, metric, value)
  VALUES (new.campaign_id, new.variant_id, new.phase, 'leads', 1)
  ON CONFLICT (campaign_id, variant_id, phase, metric) DO UPDATE SET value = value + 1;
  INSERT INTO daily_leads (campaign_id, variant_id, phase, day, leads)
  VALUES (new.campaign_id, new.variant_id, new.phase,
          strftime('%Y-%m-%d', coalesce(new.sent_at, 0) / 1000, 'unixepoch'), 1)
  ON CONFLICT (campaign_id, variant_id, phase, day) DO UPDATE SET leads = leads + 1;
  INSERT INTO channel_counts (campaign_id, variant_id, phase, channel, leads, customers)
  SELECT new.campaign_id, new.variant_id, new.phase, coalesce(p.source, '(none)'), 1, 0
    FROM prospects p WHERE p.id = new.prospect_id
  ON CONFLICT (campaign_id, variant_id, phase, channel) DO UPDATE SET leads = leads + 1;
END;
--> statement-breakpoint
CREATE TRIGGER funnel_message_inserted_sent AFTER INSERT ON messages
WHEN new.status = 'sent' BEGIN
  INSERT INTO funnel_counts (campaign_id, variant_id, phase, metric, value)
  VALUES (new.campaign_id, new.variant_id, new.phase, 'leads', 1)
  ON CONFLICT (campaign_id, variant_id, phase, metric) DO UPDATE SET value = value + 1;
  INSERT INTO daily_leads (campaign_id, variant_id, phase, day, leads)
  VALUES (new.campaign_id, new.variant_id, new.phase,
          strftime('%Y-%m-%d', coalesce(new.sent_at, 0) / 1000, 'unixepoch'), 1)
  ON CONFLICT (campaign_id, variant_id, phase, day) DO UPDATE SET leads = leads + 1;
  INSERT INTO channel_counts (campaign_id, variant_id, phase, channel, leads, customers)
  SELECT new.campaign_id, new.variant_id, new.phase, coalesce(p.source, '(none)'), 1, 0
    FROM prospects p WHERE p.id = new.prospect_id
  ON CONFLICT (campaign_id, variant_id, phase, channel) DO UPDATE SET leads = leads + 1;
END;
--> statement-breakpoint
CREATE TRIGGER funnel_message_unsent AFTER UPDATE OF status ON messages
WHEN old.status = 'sent' AND new.status IS NOT 'sent' BEGIN
  UPDATE funnel_counts SET value = value - 1
   WHERE campaign_id = old.campaign_id AND variant_id = old.variant_id AND phase = old.phase
     AND metric = 'leads';
  UPDATE daily_leads SET leads = leads - 1
   WHERE campaign_id = old.campaign_id AND variant_id = old.variant_id AND phase = old.phase
     AND day = strftime('%Y-%m-%d', coalesce(old.sent_at, 0) / 1000, 'unixepoch');
  UPDATE channel_counts SET leads = leads - 1
   WHERE campaign_id = old.campaign_id AND variant_id = old.variant_id AND phase = old.phase
     AND channel = (SELECT coalesce(source, '(none)') FROM prospects WHERE id = old.prospect_id);
END;
--> statement-breakpoint
CREATE TRIGGER funnel_message_moved AFTER UPDATE OF variant_id ON messages
WHEN old.status = 'sent' AND new.status = 'sent' AND old.variant_id IS NOT new.variant_id BEGIN
  UPDATE funnel_counts SET value = value - 1
   WHERE campaign_id = old.campaign_id AND variant_id = old.variant_id AND phase = old.phase
     AND metric = 'leads';
  INSERT INTO funnel_counts (campaign_id, variant_id, phase, metric, value)
  VALUES (new.campaign_id, new.variant_id, new.phase, 'leads', 1)
  ON CONFLICT (campaign_id, variant_id, phase, metric) DO UPDATE SET value = value + 1;
  UPDATE daily_leads SET leads = leads - 1
   WHERE campaign_id = old.campaign_id AND variant_id = old.variant_id AND phase = old.phase
     AND day = strftime('%Y-%m-%d', coalesce(old.sent_at, 0) / 1000, 'unixepoch');
  INSERT INTO daily_leads (campaign_id, variant_id, phase, day, leads)
  VALUES (new.campaign_id, new.variant_id, new.phase,
          strftime('%Y-%m-%d', coalesce(new.sent_at, 0) / 1000, 'unixepoch'), 1)
  ON CONFLICT (campaign_id, variant_id, phase, day) DO UPDATE SET leads = leads + 1;
  UPDATE channel_counts SET leads = leads - 1
   WHERE campaign_id = old.campaign_id AND variant_id = old.variant_id AND phase = old.phase
     AND channel = (SELECT coalesce(source, '(none)') FROM prospects WHERE id = old.prospect_id);
  INSERT INTO channel_counts (campaign_id, variant_id, phase, channel, leads, customers)
  SELECT new.campaign_id, new.variant_id, new.phase, coalesce(p.source, '(none)'), 1, 0
    FROM prospects p WHERE p.id = new.prospect_id
  ON CONFLICT (campaign_id, variant_id, phase, channel) DO UPDATE SET leads = leads + 1;
END;
--> statement-breakpoint
CREATE TRIGGER funnel_event_insert AFTER INSERT ON events
WHEN new.type IN ('delivered', 'bounced', 'opened', 'clicked') BEGIN
  INSERT INTO funnel_counts (campaign_id, variant_id, phase, metric, value)
  SELECT new.campaign_id, new.variant_id, m.phase, new.type || '_raw', 1
    FROM messages m
   WHERE m.id = new.message_id
     AND NOT EXISTS (SELECT 1 FROM events e WHERE e.message_id = new.message_id
                        AND e.type = new.type AND e.id <> new.id)
  ON CONFLICT (campaign_id, variant_id, phase, metric) DO UPDATE SET value = value + 1;
  INSERT INTO funnel_counts (campaign_id, variant_id, phase, metric, value)
  SELECT new.campaign_id, new.variant_id, m.phase, new.type || '_human', 1
    FROM messages m
   WHERE m.id = new.message_id AND new.machine = 0
     AND NOT EXISTS (SELECT 1 FROM events e WHERE e.message_id = new.message_id
                        AND e.type = new.type AND e.machine = 0 AND e.id <> new.id)
  ON CONFLICT (campaign_id, variant_id, phase, metric) DO UPDATE SET value = value + 1;
END;
--> statement-breakpoint
CREATE TRIGGER funnel_event_reflag AFTER UPDATE OF machine ON events
WHEN old.machine = 0 AND new.machine = 1
 AND new.type IN ('delivered', 'bounced', 'opened', 'clicked') BEGIN
  UPDATE funnel_counts SET value = value - 1
   WHERE campaign_id = new.campaign_id AND variant_id = new.variant_id
     AND metric = new.type || '_human'
     AND phase = (SELECT phase FROM messages WHERE id = new.message_id)
     AND NOT EXISTS (SELECT 1 FROM events e WHERE e.message_id = new.message_id
                        AND e.type = new.type AND e.machine = 0);
END;
--> statement-breakpoint
CREATE TRIGGER funnel_conversion_insert AFTER INSERT ON conversions BEGIN
  -- A customer is a lead: credited to the prospect's sent email in the campaign, or to nothing.
  UPDATE conversions SET phase = (
    SELECT m.phase FROM messages m
     WHERE m.campaign_id = new.campaign_id AND m.prospect_id = new.prospect_id
       AND m.status = 'sent' LIMIT 1)
   WHERE id = new.id;
  INSERT INTO funnel_counts (campaign_id, variant_id, phase, metric, value)
  SELECT m.campaign_id, m.variant_id, m.phase, f.metric, f.amount
    FROM messages m,
         (SELECT 'customers' AS metric, 1.0 AS amount
          UNION ALL SELECT 'value', coalesce(new.value, 0)
          UNION ALL SELECT 'value_squares', coalesce(new.value, 0) * coalesce(new.value, 0)) f
   WHERE m.campaign_id = new.campaign_id AND m.prospect_id = new.prospect_id
     AND m.status = 'sent'
     AND new.goal = (SELECT goal FROM campaigns WHERE id = new.campaign_id)
  ON CONFLICT (campaign_id, variant_id, phase, metric) DO UPDATE SET value = value + excluded.value;
  INSERT INTO channel_counts (campaign_id, variant_id, phase, channel, leads, customers)
  SELECT m.campaign_id, m.variant_id, m.phase, coalesce(p.source, '(none)'), 0, 1
    FROM messages m JOIN prospects p ON p.id = m.prospect_id
   WHERE m.campaign_id = new.campaign_id AND m.prospect_id = new.prospect_id
     AND m.status = 'sent'
     AND new.goal = (SELECT goal FROM campaigns WHERE id = new.campaign_id)
  ON CONFLICT (campaign_id, variant_id, phase, channel) DO UPDATE SET customers = customers + 1;
END;
--> statement-breakpoint
CREATE TRIGGER funnel_conversion_value AFTER UPDATE OF value ON conversions
WHEN new.variant_id IS NOT NULL AND new.phase IS NOT NULL
 AND new.goal = (SELECT goal FROM campaigns WHERE id = new.campaign_id) BEGIN
  UPDATE funnel_counts
     SET value = value + CASE metric
       WHEN 'value' THEN coalesce(new.value, 0) - coalesce(old.value, 0)
       ELSE coalesce(new.value, 0) * coalesce(new.value, 0) - coalesce(old.value, 0) * coalesce(old.value, 0)
     END
   WHERE campaign_id = new.campaign_id AND variant_id = new.variant_id AND phase = new.phase
     AND metric IN ('value', 'value_squares');
END;
--> statement-breakpoint
UPDATE conversions SET phase = (
  SELECT m.phase FROM messages m
   WHERE m.campaign_id = conversions.campaign_id AND m.prospect_id = conversions.prospect_id
     AND m.status = 'sent' LIMIT 1);
--> statement-breakpoint
INSERT INTO funnel_counts (campaign_id, variant_id, phase, metric, value)
SELECT campaign_id, coalesce(variant_id, 0), phase, 'enrolled', count(*) FROM enrollments
 GROUP BY campaign_id, coalesce(variant_id, 0), phase
UNION ALL
SELECT campaign_id, 0, 'list', 'prospects', count(*) FROM campaign_prospects GROUP BY campaign_id
UNION ALL
SELECT campaign_id, variant_id, phase, 'status:' || status, count(*) FROM messages
 GROUP BY campaign_id, variant_id, phase, status
UNION ALL
SELECT campaign_id, variant_id, phase, 'leads', count(*) FROM messages
 WHERE status = 'sent' GROUP BY campaign_id, variant_id, phase
UNION ALL
SELECT e.campaign_id, e.variant_id, m.phase, e.type || '_raw', count(DISTINCT e.message_id)
  FROM events e JOIN messages m ON m.id = e.message_id
 WHERE e.type IN ('delivered', 'bounced', 'opened', 'clicked')
 GROUP BY e.campaign_id, e.variant_id, m.phase, e.type
UNION ALL
SELECT e.campaign_id, e.variant_id, m.phase, e.type || '_human', count(DISTINCT e.message_id)
  FROM events e JOIN messages m ON m.id = e.message_id
 WHERE e.type IN ('delivered', 'bounced', 'opened', 'clicked') AND e.machine = 0
 GROUP BY e.campaign_id, e.variant_id, m.phase, e.type
UNION ALL
SELECT c.campaign_id, c.variant_id, c.phase, 'customers', count(*)
  FROM conversions c JOIN campaigns k ON k.id = c.campaign_id AND k.goal = c.goal
 WHERE c.variant_id IS NOT NULL AND c.phase IS NOT NULL
 GROUP BY c.campaign_id, c.variant_id, c.phase
UNION ALL
SELECT c.campaign_id, c.variant_id, c.phase, 'value', sum(coalesce(c.value, 0))
  FROM conversions c JOIN campaigns k ON k.id = c.campaign_id AND k.goal = c.goal
 WHERE c.variant_id IS NOT NULL AND c.phase IS NOT NULL
 GROUP BY c.campaign_id, c.variant_id, c.phase
UNION ALL
SELECT c.campaign_id, c.variant_id, c.phase, 'value_squares', sum(coalesce(c.value, 0) * coalesce(c.value, 0))
  FROM conversions c JOIN campaigns k ON k.id = c.campaign_id AND k.goal = c.goal
 WHERE c.variant_id IS NOT NULL AND c.phase IS NOT NULL
 GROUP BY c.campaign_id, c.variant_id, c.phase;
--> statement-breakpoint
INSERT INTO daily_leads (campaign_id, variant_id, phase, day, leads)
SELECT campaign_id, variant_id, phase, strftime('%Y-%m-%d', coalesce(sent_at, 0) / 1000, 'unixepoch'), count(*)
  FROM messages WHERE status = 'sent' GROUP BY 1, 2, 3, 4;
--> statement-breakpoint
INSERT INTO channel_counts (campaign_id, variant_id, phase, channel, leads, customers)
SELECT m.campaign_id, m.variant_id, m.phase, coalesce(p.source, '(none)'), count(*), count(c.id)
  FROM messages m
  JOIN prospects p ON p.id = m.prospect_id
  JOIN campaigns k ON k.id = m.campaign_id
  LEFT JOIN conversions c ON c.campaign_id = m.campaign_id AND c.prospect_id = m.prospect_id
       AND c.goal = k.goal AND c.phase IS NOT NULL
 WHERE m.status = 'sent'
 GROUP BY 1, 2, 3, 4;
