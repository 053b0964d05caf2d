-- description: Orders, lines, units and amount per status and channel (every status counts).
-- param: date_from date
-- param: date_to date
-- param: channel varchar optional
SELECT
    status,
    channel,
    SUM(order_count) AS order_count,
    SUM(line_count) AS line_count,
    SUM(units) AS units,
    SUM(amount) AS amount
FROM order_status_daily
WHERE order_date BETWEEN ? AND ?
  AND channel = COALESCE(?, channel)
GROUP BY status, channel
ORDER BY status, channel
