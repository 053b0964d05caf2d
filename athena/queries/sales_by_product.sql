-- description: Net units, revenue and order count per product and channel, highest revenue first.
-- param: date_from date
-- param: date_to date
-- param: channel varchar optional
SELECT
    product_id,
    channel,
    SUM(units) AS units,
    SUM(revenue) AS revenue,
    SUM(order_count) AS order_count
FROM sales_by_product_channel
WHERE order_date BETWEEN ? AND ?
  AND channel = COALESCE(?, channel)
GROUP BY product_id, channel
ORDER BY revenue DESC, product_id, channel
