-- description: A client's orders, newest first: one row per order (and date/channel) with its lines' totals and statuses.
-- param: client_id varchar
-- param: date_from date
-- param: date_to date
-- param: channel varchar optional
-- param: page_offset bigint
-- param: page_limit bigint
SELECT
    order_id,
    order_date,
    channel,
    client_id,
    COUNT(*) AS line_count,
    SUM(quantity) AS units,
    SUM(line_total) AS order_total,
    ARRAY_JOIN(ARRAY_SORT(ARRAY_DISTINCT(ARRAY_AGG(status))), ',') AS statuses
FROM orders
WHERE client_id = ?
  AND order_date BETWEEN ? AND ?
  AND channel = COALESCE(?, channel)
GROUP BY order_id, order_date, channel, client_id
ORDER BY order_date DESC, order_id DESC, channel
OFFSET ? LIMIT ?
