-- description: The seed's example over an order-date window: order lines per client (the view takes no parameters, so the window is here).
-- param: date_from date
-- param: date_to date
SELECT client_id, COUNT(*) AS total_orders
FROM processed_orders
WHERE order_date BETWEEN ? AND ?
GROUP BY client_id
ORDER BY client_id;
