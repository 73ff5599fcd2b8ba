ALTER TABLE `campaigns` ADD `holdout_fraction` real DEFAULT 0 NOT NULL;--> statement-breakpoint
DROP TRIGGER funnel_conversion_insert;
--> statement-breakpoint
CREATE TRIGGER funnel_conversion_insert AFTER INSERT ON conversions BEGIN
  -- A customer is a lead: credited to the prospect's sent email in the campaign, or, for a
  -- prospect held out of the campaign, to its holdout; otherwise to nothing.
  UPDATE conversions SET phase = coalesce(
    (SELECT m.phase FROM messages m
      WHERE m.campaign_id = new.campaign_id AND m.prospect_id = new.prospect_id
        AND m.status = 'sent' LIMIT 1),
    (SELECT e.phase FROM enrollments e
      WHERE e.campaign_id = new.campaign_id AND e.prospect_id = new.prospect_id
        AND e.phase = 'holdout'))
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
  INSERT INTO funnel_counts (campaign_id, variant_id, phase, metric, value)
  SELECT e.campaign_id, 0, 'holdout', 'customers', 1
    FROM enrollments e
   WHERE e.campaign_id = new.campaign_id AND e.prospect_id = new.prospect_id
     AND e.phase = 'holdout'
     AND new.goal = (SELECT goal FROM campaigns WHERE id = new.campaign_id)
  ON CONFLICT (campaign_id, variant_id, phase, metric) DO UPDATE SET value = value + 1;
  INSERT INTO channel_counts (campaign_id, variant_id, phase, channel, leads, customers)
  SELECT m.campaign_id, m.variant_id, m.phase, coalesce(p.source, '(none)'), 0, 1
    FROM messages m JOIN prospects p ON p.id = m.prospect_id
   WHERE m.campaign_id = new.campaign_id AND m.prospect_id = new.prospect_id
     AND m.status = 'sent'
     AND new.goal = (SELECT goal FROM campaigns WHERE id = new.campaign_id)
  ON CONFLICT (campaign_id, variant_id, phase, channel) DO UPDATE SET customers = customers + 1;
END;
