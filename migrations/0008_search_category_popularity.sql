-- Search finds products by their category too ("sembako", "rokok"), and ranks equally good
-- matches by how often a product sells. The search text gains the category (the same
-- expression as catalog::refresh_search), and sales per product are found by product.
DELETE FROM product_search;
INSERT INTO product_search(rowid, text)
SELECT id,
       name || ' ' || coalesce(sku, '') || ' ' ||
       coalesce((SELECT group_concat(alias, ' ') FROM product_aliases WHERE product_id = products.id), '')
       || ' ' || coalesce(category, '')
  FROM products;
CREATE INDEX daily_product_sales_product ON daily_product_sales(product_id);
