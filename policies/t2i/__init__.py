"""RouteT2I: route text-to-image prompts between an edge and a cloud image model.

Quality is measured on several dimensions, each a (positive, negative) text pair scored with CLIP;
a token-level predictor estimates each dimension for both models from the prompt alone; Pareto
relative superiority compares the two predictions; a budget decides how much cloud is allowed.
"""
