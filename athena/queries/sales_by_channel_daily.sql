-- description: Net units and revenue per order date and channel, oldest day first (the dashboard's revenue-over-time chart).
-- param: date_from date
-- param: date_to date
-- param: channel varchar optional
SELECT
    order_date,
    channel,
    SUM(units) AS units,
    SUM(revenue) AS revenue
FROM sales_by_product_channel
WHERE order_date BETWEEN ? AND ?
  AND channel = COALESCE(?, channel)
GROUP BY order_date, channel
ORDER BY order_date, channel
