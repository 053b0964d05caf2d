-- description: First and last order date with any order in the window, and how many days have orders (the dashboard's default window ends at the last).
-- param: date_from date
-- param: date_to date
SELECT
    MIN(order_date) AS first_order_date,
    MAX(order_date) AS last_order_date,
    COUNT(DISTINCT order_date) AS order_days
FROM order_status_daily
WHERE order_date BETWEEN ? AND ?
