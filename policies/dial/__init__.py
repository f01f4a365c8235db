"""DialRouter: multi-turn routing learned from Monte Carlo Tree Search.

env (contract) -> sim / live (environments) -> mcts (search) -> store (trajectories) -> net + knn (distilled
policy, retrieved action values) -> policy (`DialRouterPolicy`, search-free at inference); train ties them up.
"""
