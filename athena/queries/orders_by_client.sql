-- description: A client's orders, newest first: one row per order (and date/channel) with its lines' totals and statuses.
-- param: client_id varchar
-- param: date_from date
-- param: date_to date
-- param: channel varchar optional
-- param: page_offset bigint
-- param: page_limit bigint
-- Paged in WHERE, not with OFFSET/LIMIT: Athena takes `?` parameters only in the WHERE
-- clause (Athena guide, "Use parameterized queries", Considerations and limitations).
SELECT
    order_id,
    order_date,
    channel,
    client_id,
    line_count,
    units,
    order_total,
    statuses
FROM (
    SELECT
        order_id,
        order_date,
        channel,
        client_id,
        COUNT(*) AS line_count,
        SUM(quantity) AS units,
        SUM(line_total) AS order_total,
        ARRAY_JOIN(ARRAY_SORT(ARRAY_DISTINCT(ARRAY_AGG(status))), ',') AS statuses,
        ROW_NUMBER() OVER (ORDER BY order_date DESC, order_id DESC, channel) AS row_position
    FROM orders
    WHERE client_id = ?
      AND order_date BETWEEN ? AND ?
      AND channel = COALESCE(?, channel)
    GROUP BY order_id, order_date, channel, client_id
) AS numbered
WHERE row_position - ? BETWEEN 1 AND ?
ORDER BY row_position
