-- description: The seed's example, unchanged: order lines per client over all time.
SELECT client_id, COUNT(*) AS total_orders FROM processed_orders GROUP BY client_id;
