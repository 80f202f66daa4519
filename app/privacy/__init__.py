"""The personal-data lifecycle (个人信息保护法): retention of closed cases, erasure of one buyer, the daily run."""
